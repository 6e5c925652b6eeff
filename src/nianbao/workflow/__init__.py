"""The workflow apart from any chat platform (issue 12): what officials, reviewers and county admins do."""
