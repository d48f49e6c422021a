"""CloudFormation in the local cloud, as LocalStack arranges its engine: the template and its intrinsic
functions (``template``), the stacks' lifecycle (``engine``), the API that drives it (``provider``), and one
module a resource type (``resources``)."""
