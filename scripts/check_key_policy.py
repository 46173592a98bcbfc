"""Fails unless every statement of the template's KMS key policies that can
grant kms:Sign names the function's role or the operator's role.

Run: python scripts/check_key_policy.py template.yaml
It first proves it can fail: a copy of the policy with the account's
statement widened to kms:* must be refused.
"""
import copy
import sys

import yaml

ALLOWED_SIGNERS = [{"AWS": {"GetAtt": "FunctionRole.Arn"}}, {"AWS": {"Ref": "OperatorRoleArn"}}]


class TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !If, ...) as {"Ref": ...}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


TemplateLoader.add_multi_constructor("!", _tag)


def statements(policy):
    """Every statement a policy can have, both branches of each !If."""
    for item in policy.get("Statement", []):
        if isinstance(item, dict) and "If" in item:
            for branch in item["If"][1:]:
                if isinstance(branch, dict) and "Sid" in branch:
                    yield branch
        else:
            yield item


def as_list(value):
    return value if isinstance(value, list) else [value]


def grants_sign(statement):
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return "kms:Sign" not in as_list(statement["NotAction"])
    return any(a in ("kms:Sign", "kms:*", "*") for a in as_list(statement.get("Action", [])))


def problems(template):
    found = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::KMS::Key":
            continue
        for s in statements(resource["Properties"]["KeyPolicy"]):
            if grants_sign(s) and s.get("Principal") not in ALLOWED_SIGNERS:
                found.append(f"{name}: statement {s.get('Sid', '?')} grants kms:Sign to {s.get('Principal')}")
    return found


def main(path):
    with open(path) as f:
        template = yaml.load(f, Loader=TemplateLoader)
    keys = [r for r in template["Resources"].values() if r.get("Type") == "AWS::KMS::Key"]
    if not keys:
        sys.exit(f"{path}: no KMS key to check")
    widened = copy.deepcopy(template)
    for key in widened["Resources"].values():
        if key.get("Type") == "AWS::KMS::Key":
            for s in statements(key["Properties"]["KeyPolicy"]):
                if s.get("Sid") == "AccountAdministers":
                    s.pop("NotAction", None)
                    s["Action"] = "kms:*"
    if not problems(widened):
        sys.exit("key policy check: a policy that lets the account sign passed; the check is broken")
    found = problems(template)
    for p in found:
        print(f"key policy: {p}", file=sys.stderr)
    if found:
        sys.exit(1)
    print("key policy: kms:Sign only for the function's role and the operator's role")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
