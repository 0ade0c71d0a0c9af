"""The single sign-on client secret is stored encrypted (tenancy/crypto.py): the column becomes
text (the token is longer than the secret) and every stored plaintext secret is encrypted."""

from django.db import migrations

import tenancy.crypto


def encrypt_stored_secrets(apps, schema_editor):
    SingleSignOn = apps.get_model("tenancy", "SingleSignOn")
    for config in SingleSignOn.objects.all():  # reads plaintext as is, saves it encrypted
        config.save(update_fields=["client_secret"])


def decrypt_stored_secrets(apps, schema_editor):
    SingleSignOn = apps.get_model("tenancy", "SingleSignOn")
    table = SingleSignOn._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        for config in SingleSignOn.objects.all():  # the field decrypts on reading
            cursor.execute(
                f"UPDATE {table} SET client_secret = %s WHERE id = %s",  # noqa: S608
                [config.client_secret, config.pk],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0008_change_counter"),
    ]

    operations = [
        migrations.AlterField(
            model_name="singlesignon",
            name="client_secret",
            field=tenancy.crypto.EncryptedTextField(max_length=500),
        ),
        migrations.RunPython(encrypt_stored_secrets, decrypt_stored_secrets),
    ]
