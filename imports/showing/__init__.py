"""What people read and download about an import: its preview, its problems workbook, the kinds' templates."""
