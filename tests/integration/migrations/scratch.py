"""A temporary copy of Postroom's revisions with one more (possibly broken) revision."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from alembic.config import Config

from postroom import migrations

SOURCE = Path(migrations.__file__).parent


def revisions_plus(tmp_path: Path, *, upgrade: str, downgrade: str) -> Path:
    """Copy env.py and versions/ to ``tmp_path`` and add revision ``9999`` after head."""
    target = tmp_path / "scratch_migrations"
    (target / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(SOURCE / name, target / name)
    for revision in (SOURCE / "versions").glob("[0-9]*.py"):
        shutil.copy(revision, target / "versions" / revision.name)
    head = migrations.revisions()[-1]
    (target / "versions" / "9999_scratch.py").write_text(
        textwrap.dedent(
            f'''\
            """A scratch revision made by a test."""
            from alembic import op

            revision = "9999"
            down_revision = {head!r}
            branch_labels = None
            depends_on = None


            def upgrade() -> None:
                op.execute({upgrade!r})


            def downgrade() -> None:
                op.execute({downgrade!r})
            '''
        )
    )
    return target


def config_for(script_location: Path, database_url: str) -> Config:
    config = migrations.alembic_config(database_url)
    config.set_main_option("script_location", str(script_location))
    return config
