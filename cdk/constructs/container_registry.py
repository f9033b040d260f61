"""The ECR repository of the worker image (Fargate tasks and the image Lambdas run it)."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import ECR_KEEP_IMAGES, LAMBDA_IMAGE_PULL_ACTIONS, resource_name


class WorkerRepository(Construct):
    """Immutable tags, scan on push, the newest images kept; Lambda pulls for this env's functions only."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=resource_name("worker", config.name),
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            encryption=ecr.RepositoryEncryption.AES_256,
            lifecycle_rules=[ecr.LifecycleRule(max_image_count=ECR_KEEP_IMAGES)],
            removal_policy=config.removal,
            empty_on_delete=False,
        )
        self.repository.add_to_resource_policy(lambda_image_pull(self, config))


def lambda_image_pull(scope: Construct, config: EnvironmentConfig) -> iam.PolicyStatement:
    """Let Lambda pull the image for this account's `tradai-{env}-*` functions, and for no one else's.

    The Lambda developer guide's repository statement (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer
    to `lambda.amazonaws.com`) with its `aws:SourceArn` condition: without it, the service principal
    would pull for a function in any account (confused deputy). The function ARN already names the
    account and region, and the name prefix keeps staging's functions off dev's repository. The
    compute stack hands `Code.from_ecr_image` an imported view of this repository, so CDK's own
    unconditioned grant to Lambda is not added beside this one.
    """
    functions = Stack.of(scope).format_arn(
        service="lambda",
        resource="function",
        resource_name=resource_name("*", config.name),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    return iam.PolicyStatement(
        sid="LambdaImagePull",
        principals=[iam.ServicePrincipal("lambda.amazonaws.com")],
        actions=list(LAMBDA_IMAGE_PULL_ACTIONS),
        conditions={"ArnLike": {"aws:SourceArn": functions}},
    )
