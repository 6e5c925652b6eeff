"""Server-side commands for county admins (`nianbao import --county`, `nianbao admin …`): the workflow's calls, printed."""
