"""``spark-submit`` entry point: the command line of ``python -m analytics`` (DESIGN.md, "Scale").

    spark-submit --master yarn --deploy-mode client engines/spark_submit.py \\
        score --spark-table crm.payments --engine spark --out table:crm.customer_scores

spark-submit runs a file, not a module: this one puts the project on the path and hands over.
The master, executors and Hive catalogue come from spark-submit's options; the session does not
override them.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.__main__ import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
