"""Analysis: findings computed from the validated store."""
