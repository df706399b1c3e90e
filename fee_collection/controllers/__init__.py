from . import portal_agent
