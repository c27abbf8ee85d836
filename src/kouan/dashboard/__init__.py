"""The port office dashboard, its drill-downs, the consignment Gantt view and the public bulletins."""
