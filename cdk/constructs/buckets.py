"""The S3 buckets: market data (ArcticDB), artifacts, reports, and the access-log bucket they log to."""

from __future__ import annotations

from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import BUCKETS, NONCURRENT_VERSION_EXPIRY, bucket_name


class DataBuckets(Construct):
    """Encrypted, TLS-only, versioned, private buckets, each logging access to one log bucket.

    `buckets` maps the names of `constants.BUCKETS` to their bucket.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.access_logs = self._bucket("AccessLogs", access_logs=None)
        self.buckets: dict[str, s3.Bucket] = {
            name: self._bucket(name.title().replace("-", ""), access_logs=self.access_logs, name=name)
            for name in BUCKETS
        }

    def _bucket(self, construct_id: str, *, access_logs: s3.IBucket | None, name: str = "") -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            # Named (not generated) so other stacks and ArcticDB URIs can refer to a bucket by name.
            bucket_name=bucket_name(name, self._config.name) if name else None,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{name}/" if access_logs else None,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=NONCURRENT_VERSION_EXPIRY)],
            removal_policy=self._config.removal,
        )
