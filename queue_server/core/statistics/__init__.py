"""Statistics of a day, session or range (统计): per category, window and hour, from the stored tickets.

Pure: the tickets come in as stored, the summary goes out as plain data for the web edge to format.
"""
