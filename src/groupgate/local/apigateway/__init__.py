"""API Gateway REST APIs in the local cloud: routing, SigV4, IAM evaluation, the MOCK integration and gateway
responses (``restapis``), and the Velocity templates they run (``vtl``)."""
