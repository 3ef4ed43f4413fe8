"""The one blueprint of the composite pages; each page module adds its routes to it."""
from flask import Blueprint

bp = Blueprint("pages", __name__)
