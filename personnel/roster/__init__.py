"""Excel roster (花名册) import and export: reading HR's own files, one import code path for the
browser, the command and the API, the template, the errors workbook and the staff export."""
