"""Accounts: users, sign-up, login, tokens, provider memberships and invitations."""
