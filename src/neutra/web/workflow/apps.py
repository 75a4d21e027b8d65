from __future__ import annotations

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "neutra.web.workflow"
    label = "workflow"
    verbose_name = "Workflow"
