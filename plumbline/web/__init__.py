"""The web site and the JSON API (FastAPI + Jinja2). Nothing outside web/ knows HTTP."""
