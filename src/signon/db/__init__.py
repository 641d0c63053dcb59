from signon.db.engine import Database

__all__ = ["Database"]
