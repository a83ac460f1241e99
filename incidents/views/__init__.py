"""HTML views of the incidents app, one module per area of work.

`browse` (list and incident page), `dashboard` (the home page) and `edit`
(the analyst's forms) share one access module, `incidents.access`.
"""
