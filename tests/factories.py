"""Factory base classes and the registry of factories by model.

Every `TenantModel` has a factory in `tests/<app>/factories.py` (the isolation suite finds them
through `factory_for(model)` and fails for a tenant model without one). Tenant factories create
their rows inside the organization's scope, so RLS's WITH CHECK and the scoped manager hold in
tests exactly as in production.
"""

import importlib
import pkgutil
from pathlib import Path

import factory
from factory.django import DjangoModelFactory

from tenancy.context import current_organization, tenant_scope
from tenancy.models import Organization


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


def _organization_default():
    return current_organization() or OrganizationFactory()


class TenantFactory(DjangoModelFactory):
    """Base for factories of TenantModel subclasses."""

    class Meta:
        abstract = True

    organization = factory.LazyFunction(_organization_default)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_scope(kwargs["organization"]):
            return super()._create(model_class, *args, **kwargs)


def same_organization(factory_class, **kwargs):
    """A SubFactory whose row lives in the parent's organization."""
    return factory.SubFactory(
        factory_class, organization=factory.SelfAttribute("..organization"), **kwargs
    )


_registry: dict | None = None


def factory_registry() -> dict:
    """{model class: factory class}, from every tests/<app>/factories.py."""
    global _registry
    if _registry is None:
        _registry = {}
        tests_dir = Path(__file__).parent
        for module_info in pkgutil.iter_modules([str(tests_dir)]):
            if (
                not module_info.ispkg
                or not (tests_dir / module_info.name / "factories.py").exists()
            ):
                continue
            module = importlib.import_module(f"tests.{module_info.name}.factories")
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, DjangoModelFactory)
                    and not value._meta.abstract
                    and value._meta.model is not None
                    and value.__module__ == module.__name__
                ):
                    _registry.setdefault(value._meta.model, value)
    return _registry


def factory_for(model):
    return factory_registry().get(model)
