"""Permissions boundaries through boto3 against a running Squall: a boundary on a user and on a role
caps what their identity policies allow (AWS's message names the boundary), is reported by
GetUser/GetRole, counted and listed for its policy, keeps its policy from being deleted, and
goes with DeleteUserPermissionsBoundary; a delegated administrator may create users only with
the boundary its policy requires (iam:PermissionsBoundary); the simulator weighs boundaries.

Run by the end-to-end tests with AWS_ENDPOINT_URL, the root's key and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""
import boto3
from iam_common import ACCOUNT, CONFIG, check, error_of, policy

iam = boto3.client("iam", config=CONFIG)


def client(service, key):
    return boto3.client(service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                        aws_session_token=key.get("SessionToken"), config=CONFIG)


everything = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
cap = iam.create_policy(PolicyName="QueuesOnly", PolicyDocument=policy(
    {"Effect": "Allow", "Action": ["sqs:*", "sts:GetCallerIdentity"], "Resource": "*"}))["Policy"]["Arn"]

# A user allowed everything by its own policy, within a boundary of queues only.
iam.create_user(UserName="capped", PermissionsBoundary=cap)
iam.put_user_policy(UserName="capped", PolicyName="all", PolicyDocument=everything)
key = iam.create_access_key(UserName="capped")["AccessKey"]
client("sqs", key).list_queues()
check(True, "inside the boundary: allowed")
code, message = error_of(client("iam", key).list_users)
check(code == "AccessDenied" and "because no permissions boundary allows the iam:ListUsers action" in message,
      f"outside it: denied, and the message names the boundary ({message})")
user = iam.get_user(UserName="capped")["User"]
check(user.get("PermissionsBoundary") == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                          "PermissionsBoundaryArn": cap}, f"GetUser reports it ({user})")
got = iam.get_policy(PolicyArn=cap)["Policy"]
check(got["PermissionsBoundaryUsageCount"] == 1 and got["AttachmentCount"] == 0, f"counted as a boundary ({got})")
entities = iam.list_entities_for_policy(PolicyArn=cap, PolicyUsageFilter="PermissionsBoundary")
check([u["UserName"] for u in entities["PolicyUsers"]] == ["capped"], "listed as a boundary's user")
entities = iam.list_entities_for_policy(PolicyArn=cap, PolicyUsageFilter="PermissionsPolicy")
check(entities["PolicyUsers"] == [], "not as an attachment")
listed = [p["Arn"] for p in iam.list_policies(Scope="Local", PolicyUsageFilter="PermissionsBoundary")["Policies"]]
check(listed == [cap], f"ListPolicies filters boundaries ({listed})")
code, _ = error_of(iam.delete_policy, PolicyArn=cap)
check(code == "DeleteConflict", "a policy in use as a boundary cannot be deleted")

# The simulator weighs the boundary.
results = iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/capped",
                                        ActionNames=["sqs:SendMessage", "s3:GetObject"])["EvaluationResults"]
check([r["EvalDecision"] for r in results] == ["allowed", "implicitDeny"], f"simulated within the boundary ({results})")

iam.delete_user_permissions_boundary(UserName="capped")
check("PermissionsBoundary" not in iam.get_user(UserName="capped")["User"], "the boundary is removed")
client("iam", key).list_users()
check(True, "and the user's own policy allows everything again")
code, message = error_of(iam.put_user_permissions_boundary, UserName="capped",
                         PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/Nope")
check(code == "NoSuchEntity", f"a boundary must be a policy that exists ({message})")

# A role's boundary binds its sessions.
trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
iam.create_role(RoleName="boxed", AssumeRolePolicyDocument=trust, PermissionsBoundary=cap)
iam.put_role_policy(RoleName="boxed", PolicyName="all", PolicyDocument=everything)
check(iam.get_role(RoleName="boxed")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == cap, "GetRole reports it")
iam.create_user(UserName="assumer")
iam.put_user_policy(UserName="assumer", PolicyName="assume", PolicyDocument=policy(
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
assumer = client("sts", iam.create_access_key(UserName="assumer")["AccessKey"])
creds = assumer.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/boxed", RoleSessionName="boxed-session")["Credentials"]
session = {"AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
           "SessionToken": creds["SessionToken"]}
client("sqs", session).list_queues()
code, _ = error_of(client("iam", session).list_roles)
check(code == "AccessDenied", "a session of a bounded role is bounded")
iam.delete_role_permissions_boundary(RoleName="boxed")
client("iam", session).list_roles()
check(True, "the role's boundary removed, its sessions are free of it")

# Delegation: an administrator may create users only under the boundary.
iam.create_user(UserName="admin")
iam.put_user_policy(UserName="admin", PolicyName="delegate", PolicyDocument=policy(
    {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:PutUserPermissionsBoundary"], "Resource": "*",
     "Condition": {"StringEquals": {"iam:PermissionsBoundary": cap}}},
    {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
     "Condition": {"ArnEquals": {"iam:PolicyARN": cap}}}))
admin = client("iam", iam.create_access_key(UserName="admin")["AccessKey"])
admin.create_user(UserName="hire", PermissionsBoundary=cap)
check(True, "creating a user under the required boundary")
code, message = error_of(admin.create_user, UserName="free")
check(code == "AccessDenied" and "iam:CreateUser" in message, "creating one without it is denied")
other = iam.create_policy(PolicyName="Other", PolicyDocument=everything)["Policy"]["Arn"]
code, _ = error_of(admin.put_user_permissions_boundary, UserName="hire", PermissionsBoundary=other)
check(code == "AccessDenied", "swapping in another boundary is denied")
code, _ = error_of(admin.attach_user_policy, UserName="hire", PolicyArn=other)
check(code == "AccessDenied", "attaching another policy is denied (iam:PolicyARN)")
admin.attach_user_policy(UserName="hire", PolicyArn=cap)
check(True, "attaching the allowed one")

print("done")
