"""TradAI's AWS CDK app: persistent, foundation, compute and edge stacks, one construct per capability."""
