"""Stories: telling, confirmation, public lists and pages, the author's own stories, withdraw."""
