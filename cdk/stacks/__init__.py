"""The four deployable stacks; each only composes constructs from `cdk.constructs`."""
