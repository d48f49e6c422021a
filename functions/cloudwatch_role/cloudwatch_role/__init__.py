"""Custom::ApiGatewayCloudWatchRole: API Gateway's CloudWatch Logs role for the account, set only where none is."""
