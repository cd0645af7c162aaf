"""The shop tests its migrations with Postroom's plugin: stairway, data, drift."""

from __future__ import annotations

from decimal import Decimal

import pytest
from shop.models import all_models

from postroom import migrations


def test_every_revision_of_the_shop_and_of_postroom_goes_up_down_and_up(
    postroom_migrator: migrations.Migrator,
) -> None:
    walked = postroom_migrator.stairway()

    assert {"shop_0001", "shop_0002", *migrations.revisions()} == set(walked)
    assert walked.index("0001") < walked.index("shop_0001")  # depends_on is honoured
    assert postroom_migrator.is_at_heads()


def test_order_totals_survive_the_move_to_cents(postroom_migrator: migrations.Migrator) -> None:
    orders = [
        {"id": 1, "customer": "ada", "total": Decimal("12.34")},
        {"id": 2, "customer": "bob", "total": Decimal("0.99")},
        {"id": 3, "customer": "cy", "total": Decimal("1000.00")},
    ]

    migrations.assert_rows_survive(
        postroom_migrator,
        table="orders",
        rows=orders,
        before="shop_0001",
        after="shop_0002",
        expected=[
            {"id": 1, "customer": "ada", "total_cents": 1234},
            {"id": 2, "customer": "bob", "total_cents": 99},
            {"id": 3, "customer": "cy", "total_cents": 100000},
        ],
    )

    postroom_migrator.migrate(to="shop_0001")  # and back: cents become decimals again
    assert [row["total"] for row in postroom_migrator.rows("orders", order_by="id")] == [
        Decimal("12.34"),
        Decimal("0.99"),
        Decimal("1000.00"),
    ]


def test_the_shop_models_and_its_revisions_agree(
    postroom_migrator: migrations.Migrator, postroom_database: migrations.ThrowawayDatabase
) -> None:
    postroom_migrator.migrate(to="heads")

    migrations.check_drift(
        postroom_database.url,
        settings=migrations.MigrationSettings(version_table="alembic_version"),
        metadata=all_models(),
    )


def test_a_wrong_total_conversion_would_be_caught(postroom_migrator: migrations.Migrator) -> None:
    with pytest.raises(AssertionError, match="1 of 1 rows of 'orders' did not survive"):
        migrations.assert_rows_survive(
            postroom_migrator,
            table="orders",
            rows=[{"id": 1, "customer": "ada", "total": Decimal("12.34")}],
            before="shop_0001",
            after="shop_0002",
            expected=[{"id": 1, "total_cents": 12}],  # what a missing "* 100" would give
        )
