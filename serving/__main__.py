"""``python -m tagraph.serving``: the same as ``tagraph-model-server``."""
import sys

from tagraph.serving.main import main

sys.exit(main())
