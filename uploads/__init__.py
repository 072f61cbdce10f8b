"""Checking uploaded files (issue 10): by content, with the limits in settings.UPLOAD_KINDS."""
