"""Settings of the phone-login and referral service, one module per concern.

Everything comes from environment variables (names in .env.example and
docs/configuration.md). The defaults are safe for production (DEBUG off, a secret key
required) and need nothing else for a local run: without DATABASE_URL the data lives in an
SQLite file, without REDIS_URL the broker is kombu's filesystem transport and the cache a
local file cache. `make run` switches on the development conveniences (DEBUG, the SMS
inbox). No setting is set in more than one module.
"""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .database import *  # noqa: F403
from .files import *  # noqa: F403
from .login import *  # noqa: F403
from .operations import *  # noqa: F403
from .queue import *  # noqa: F403
from .redis import *  # noqa: F403
from .security import *  # noqa: F403
from .webhooks import *  # noqa: F403
