"""The PandaDoc face's request and response models, under one name for the routes."""

from signet.api.pandadoc.schemas_in import *  # noqa: F403
from signet.api.pandadoc.schemas_out import *  # noqa: F403
