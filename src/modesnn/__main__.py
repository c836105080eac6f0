import sys

from modesnn.cli import main

sys.exit(main())
