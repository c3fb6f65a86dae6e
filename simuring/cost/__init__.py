"""Costs of the modelled host: the CostModel and the TOML host profiles that fill it.

``load_profile("rfc-vm-32vcpu")`` gives the built-in profile; every parameter
has a unit, a one-line meaning and a source (see ``CostModel.describe()``).
"""

from .model import CostModel, ParamInfo, ProfileError, param
from .profiles import list_profiles, load_profile

__all__ = ["CostModel", "ParamInfo", "ProfileError", "list_profiles", "load_profile", "param"]
