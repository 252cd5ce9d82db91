"""The base of the API's request and response models.

A function imports the schema modules of its domain whole, but uses one or two of their models;
``defer_build`` leaves each model's pydantic schema to its first use (validating a request,
serialising a response, the API's document), so a cold start builds only the models its route uses.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """A request, response or query model of the HTTP API; subclasses add to ``model_config``."""

    model_config = ConfigDict(defer_build=True)
