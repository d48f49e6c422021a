# The article's api_request.py (Python 2.7, 2018), changed only where it must be, each change marked "changed:":
# warrant's AWSSRP is pycognito's (warrant is no longer kept; pycognito is its successor, with the same class),
# requests-aws-sign's AWSV4Sign is requests-aws4auth's AWS4Auth (the article copied the former from GitHub), and
# the ids the article pasted in from the console come from its stacks (SandboxApi and SandboxCognito), through
# the AWS profile or environment the script runs with (AWS_PROFILE=sandbox against the local cloud). The API's
# endpoint is its execute-api URL, or API_ENDPOINT where the API is served elsewhere (the local cloud).
import os

import boto3
import requests
from pycognito.aws_srp import AWSSRP  # changed: was warrant.aws_srp
from requests_aws4auth import AWS4Auth  # changed: was requests_aws_sign's AWSV4Sign

USERNAME = 'exuser'
PASSWORD = 'Passw0rd!'
REGION = "ap-northeast-1"


def from_stacks():  # changed: the article pasted these in from the AWS console
    cloudformation = boto3.client('cloudformation', region_name=REGION)

    def physical(stack, logical):
        return cloudformation.describe_stack_resource(
            StackName=stack, LogicalResourceId=logical
        )['StackResourceDetail']['PhysicalResourceId']

    api_id = physical('SandboxApi', 'RestAPI')
    endpoint = os.environ.get('API_ENDPOINT') or f"https://{api_id}.execute-api.{REGION}.amazonaws.com/stage1"
    account_id = boto3.client('sts', region_name=REGION).get_caller_identity()['Account']
    return (account_id, endpoint, physical('SandboxCognito', 'UserPool'),
            physical('SandboxCognito', 'UserPoolClient'), physical('SandboxCognito', 'IdentityPool'))


ACCOUNT_ID, API_ENDPOINT, USER_POOL_ID, CLIENT_ID, IDENTITY_POOL_ID = from_stacks()  # changed


def main():
    aws = AWSSRP(username=USERNAME, password=PASSWORD, pool_id=USER_POOL_ID, client_id=CLIENT_ID)
    tokens = aws.authenticate_user()
    id_token = tokens['AuthenticationResult']['IdToken']

    logins = {'cognito-idp.' + REGION + '.amazonaws.com/' + USER_POOL_ID : id_token}
    client = boto3.client('cognito-identity', region_name=REGION)
    cognito_identity_id = client.get_id(
        AccountId=ACCOUNT_ID,
        IdentityPoolId=IDENTITY_POOL_ID,
        Logins=logins
    )
    id_credentials = client.get_credentials_for_identity(
        IdentityId=cognito_identity_id['IdentityId'],
        Logins=logins
    )

    session = boto3.session.Session(
        aws_access_key_id=id_credentials['Credentials']['AccessKeyId'],
        aws_secret_access_key=id_credentials['Credentials']['SecretKey'],
        aws_session_token=id_credentials['Credentials']['SessionToken'],
        region_name=REGION
    )
    credentials = session.get_credentials()
    service = 'execute-api'
    auth = AWS4Auth(credentials.access_key, credentials.secret_key, REGION, service,
                    session_token=credentials.token)  # changed: was AWSV4Sign(credentials, REGION, service)

    headers = {"Content-Type": "application/json"}
    request_path = '/'
    url = API_ENDPOINT + request_path
    response = requests.request('GET', url, auth=auth, headers=headers)

    print('GET', request_path, response.status_code)
    print(response.headers)
    print(response.text)

    return

if __name__ == '__main__':
    main()
