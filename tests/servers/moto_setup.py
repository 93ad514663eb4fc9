"""Sets up the two moto servers tests/servers/key-services.sh starts, and
prints the SEALANT_TEST_AWS_* lines the key-service tests read.

- The checked server: a KMS key, a service user that may only decrypt, a
  developer user that may only encrypt, a laptop user that may only
  assume a role that may only decrypt; then IAM checking is switched on,
  so that every request must carry a valid SigV4 signature from a known
  access key and be allowed by the user's policy.
- The open server (no IAM checking: moto cannot check STS's unsigned
  AssumeRoleWithWebIdentity): a KMS key and a role, for the credential
  sources that the SDKs' chain reaches (web identity, container, IMDSv2).

usage: python moto_setup.py CHECKED_URL OPEN_URL
"""

import json
import sys
import urllib.request

import boto3

checked_url, open_url = sys.argv[1], sys.argv[2]
region = "eu-west-1"


def client(service, url):
    # Any keys do before IAM checking is on.
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )


def policy(actions):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
    )


def trust(principal, action):
    """A role's trust policy: `principal` may `action` (an sts:AssumeRole*)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}],
        }
    )


def user(iam, name, actions):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="sealant", PolicyDocument=policy(actions))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


kms = client("kms", checked_url)
iam = client("iam", checked_url)
key_arn = kms.create_key(Description="sealant test")["KeyMetadata"]["Arn"]
service = user(iam, "sealant-service", ["kms:Decrypt", "sts:GetCallerIdentity"])
developer = user(iam, "sealant-developer", ["kms:Encrypt"])
# A laptop's profile that may only assume a role that may only decrypt
# (role_arn + source_profile in ~/.aws/config).
laptop = user(iam, "sealant-laptop", ["sts:AssumeRole"])
decrypt_role_arn = iam.create_role(
    RoleName="sealant-decrypt",
    AssumeRolePolicyDocument=trust(
        {"AWS": "arn:aws:iam::123456789012:user/sealant-laptop"}, "sts:AssumeRole"
    ),
)["Role"]["Arn"]
iam.put_role_policy(
    RoleName="sealant-decrypt",
    PolicyName="sealant",
    PolicyDocument=policy(["kms:Decrypt", "sts:GetCallerIdentity"]),
)
# From here on every request is checked.
request = urllib.request.Request(
    checked_url + "/moto-api/reset-auth",
    data=b"0",
    method="POST",
    headers={"Content-Type": "text/plain"},
)
urllib.request.urlopen(request, timeout=10).read()

open_kms = client("kms", open_url)
open_iam = client("iam", open_url)
open_key_arn = open_kms.create_key(Description="sealant test")["KeyMetadata"]["Arn"]
role_arn = open_iam.create_role(
    RoleName="sealant-service",
    AssumeRolePolicyDocument=trust(
        {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.example"},
        "sts:AssumeRoleWithWebIdentity",
    ),
)["Role"]["Arn"]

for name, value in [
    ("SEALANT_TEST_AWS_ENDPOINT", checked_url),
    ("SEALANT_TEST_AWS_KEY_ARN", key_arn),
    ("SEALANT_TEST_AWS_SERVICE_KEY_ID", service[0]),
    ("SEALANT_TEST_AWS_SERVICE_SECRET", service[1]),
    ("SEALANT_TEST_AWS_DEVELOPER_KEY_ID", developer[0]),
    ("SEALANT_TEST_AWS_DEVELOPER_SECRET", developer[1]),
    ("SEALANT_TEST_AWS_LAPTOP_KEY_ID", laptop[0]),
    ("SEALANT_TEST_AWS_LAPTOP_SECRET", laptop[1]),
    ("SEALANT_TEST_AWS_DECRYPT_ROLE_ARN", decrypt_role_arn),
    ("SEALANT_TEST_AWS_OPEN_ENDPOINT", open_url),
    ("SEALANT_TEST_AWS_OPEN_KEY_ARN", open_key_arn),
    ("SEALANT_TEST_AWS_ROLE_ARN", role_arn),
]:
    print(f"{name}={value}")
