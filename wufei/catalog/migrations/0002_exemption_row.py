"""Exemption rows are identified by their position in the edition's list: one numbered item
has several rows per stage in the 2021 list (e.g. item 10 has four 利用 rows)."""

from django.db import migrations, models


def number_rows(apps, schema_editor):
    Exemption = apps.get_model("catalog", "Exemption")
    by_edition: dict[int, int] = {}
    for ex in Exemption.objects.order_by("edition_id", "item", "pk"):
        by_edition[ex.edition_id] = by_edition.get(ex.edition_id, 0) + 1
        ex.row = by_edition[ex.edition_id]
        ex.save(update_fields=["row"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="exemption", name="catalog_exemption_item_stage"),
        migrations.AddField(
            model_name="exemption",
            name="row",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="row"),
            preserve_default=False,
        ),
        migrations.RunPython(number_rows, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="exemption",
            options={"ordering": ["edition", "row"], "verbose_name": "exemption", "verbose_name_plural": "exemptions"},
        ),
        migrations.AddConstraint(
            model_name="exemption",
            constraint=models.UniqueConstraint(fields=("edition", "row"), name="catalog_exemption_edition_row"),
        ),
    ]
