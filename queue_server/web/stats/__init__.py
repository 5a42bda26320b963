"""The supervisors' statistics (统计): the API with CSV and SVG charts, and its page."""
