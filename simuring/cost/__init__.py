"""Costs of the modelled host: the CostModel and the TOML host profiles that fill it.

``load_profile("rfc-vm-32vcpu", sections)`` gives the built-in profile, where
``sections`` are the section classes the kernel objects and the loaded
plug-ins declare (the engine passes them); ``costs.get(PipeCosts)`` then gives
one section. Every parameter has a unit, a one-line meaning and a source (see
``CostModel.describe()``).
"""

from .model import CostModel, CostSection, ParamInfo, ProfileError, param, section_name
from .profiles import list_profiles, load_profile

__all__ = [
    "CostModel",
    "CostSection",
    "ParamInfo",
    "ProfileError",
    "list_profiles",
    "load_profile",
    "param",
    "section_name",
]
