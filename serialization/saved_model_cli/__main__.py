"""``python -m tagraph.serialization.saved_model_cli``: the ``tagraph-saved-model-cli`` console script."""
import sys

from tagraph.serialization.saved_model_cli import main

sys.exit(main())
