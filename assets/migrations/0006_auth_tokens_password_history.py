"""Issue 7 (authentication): django-rest-knox tokens (assets.ApiToken, stored hashed) replace DRF's
authtoken, whose plain, never-expiring keys are dropped; django-axes replaces LoginFailure (failed
logins are not domain records); the password history and the forced-change flag."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_plain_tokens(apps, schema_editor):
    """rest_framework.authtoken is no longer installed: its table held every token key in clear.
    knox's default table is unused (KNOX_TOKEN_MODEL is assets.ApiToken, MIGRATION_MODULES skips
    knox's migrations), but a database may have it from before that setting."""
    tables = schema_editor.connection.introspection.table_names()
    for table in ("authtoken_token", "knox_authtoken"):
        if table in tables:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0005_outbox_message'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='token ID')),
                ('last_used', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                ('client_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='issued to address')),
                ('user_agent', models.CharField(blank=True, max_length=200, verbose_name='client')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ['-created'],
            },
        ),
        migrations.CreateModel(
            name='PasswordHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password hash')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='set at')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='password_history', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'earlier password',
                'verbose_name_plural': 'earlier passwords',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.DeleteModel(
            name='LoginFailure',
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='must_change_password',
            field=models.BooleanField(default=False, verbose_name='must change password'),
        ),
        migrations.AddField(
            model_name='user',
            name='must_change_password',
            field=models.BooleanField(default=False, verbose_name='must change password'),
        ),
        migrations.RunPython(drop_plain_tokens, migrations.RunPython.noop),
    ]
