"""Network: the VPC and subnets the function runs in."""
