# SPDX-License-Identifier: Apache-2.0
"""``python -m ssm_env_wrapper CMD ...``"""

import sys

from .main import main

sys.exit(main())
