"""IamDatabaseUser: the Atlas user that is the function's IAM role."""
