# Imports run as background jobs: progress, rows skipped as already registered, rejected files deleted.

from django.db import migrations, models

import ledgers.models


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0002_export_job_worker'),
    ]

    operations = [
        migrations.AlterField(
            model_name='importbatch',
            name='file',
            field=models.FileField(blank=True, max_length=300, upload_to=ledgers.models.import_upload_to, verbose_name='file'),
        ),
        migrations.AlterField(
            model_name='importbatch',
            name='status',
            field=models.CharField(choices=[('pending', 'queued'), ('running', 'being checked'), ('rejected', 'rejected: nothing saved'), ('imported', 'imported')], default='pending', max_length=10, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='skipped',
            field=models.JSONField(blank=True, default=list, verbose_name='rows skipped'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='language',
            field=models.CharField(blank=True, max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='rows_done',
            field=models.PositiveIntegerField(default=0, verbose_name='rows checked'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='task_id',
            field=models.CharField(blank=True, max_length=60, verbose_name='task id'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started at'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sign of life'),
        ),
    ]
