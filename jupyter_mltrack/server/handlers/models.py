"""``/models``: registered models, their versions, stages and aliases (the registry's Client).

Every write runs as the Jupyter user (see base.py), so the audit log names who did it. A refused
promotion (a policy that needs approval, a failed gate) is a 403 whose message names the rule.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mltrack.entities import ModelVersion, RegisteredModel
from jupyter_mltrack.errors import InvalidParameterError
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server.base import MltrackAPIHandler


class _Paged(MltrackAPIHandler):
    def paging(self) -> tuple[str | None, list[str], int, str | None]:
        return (
            self.query("filter"),
            self.query_list("order_by"),
            self.query_int("max_results", 100, maximum=50_000),
            self.query("page_token") or None,
        )


class ModelsHandler(_Paged):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        filter_string, order_by, max_results, token = self.paging()
        page = await self.call(lambda c: c.search_registered_models(filter_string, max_results, order_by, token))
        self.send_json({"registered_models": list(page), "next_page_token": page.token})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.body("name", "tags", "description")
        name, tags, description = body.required_text("name"), body.mapping("tags"), body.text("description")
        model = await self.call(lambda c: c.create_registered_model(name, dict(tags), description))
        self.send_json({"registered_model": model}, status=201)


class ModelHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        self.send_json({"registered_model": await self.call(lambda c: c.get_registered_model(name))})

    @web.authenticated
    @authorized
    async def patch(self, name: str) -> None:
        """Tags, deleted tags, the description, then the new name (each change audited)."""
        body = self.body("name", "description", "tags", "delete_tags")
        new_name, description = body.text("name"), body.text("description")
        tags, delete_tags = body.mapping("tags"), body.text_list("delete_tags", max_items=1000)

        def update(c: Client) -> RegisteredModel:
            c.get_registered_model(name)
            for key, value in tags.items():
                c.set_registered_model_tag(name, key, value)
            for key in delete_tags:
                c.delete_registered_model_tag(name, key)
            if body.has("description"):
                c.update_registered_model(name, description)
            if new_name is not None and new_name != name:
                return c.rename_registered_model(name, new_name)
            return c.get_registered_model(name)

        self.send_json({"registered_model": await self.call(update)})

    @web.authenticated
    @authorized
    async def delete(self, name: str) -> None:
        await self.call(lambda c: c.delete_registered_model(name))
        self.send_json({})


class ModelVersionsHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        """Every version of the model, newest first."""

        def versions(c: Client) -> list[ModelVersion]:
            c.get_registered_model(name)
            found = c.search_model_versions(f"name = '{name.replace(chr(39), chr(39) * 2)}'", max_results=50_000)
            return sorted(found, key=lambda v: int(v.version), reverse=True)

        self.send_json({"model_versions": await self.call(versions)})

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Register ``model_uri`` (``runs:/<run_id>/<path>``, ``models:/...``) or a raw ``source``."""
        body = self.body("model_uri", "source", "run_id", "tags", "description")
        model_uri, source, tags = body.text("model_uri"), body.text("source"), dict(body.mapping("tags"))
        run_id, description = body.text("run_id"), body.text("description")
        if (model_uri is None) == (source is None):
            raise InvalidParameterError("Give exactly one of 'model_uri' (to register a logged model) or 'source'.")
        if model_uri is not None and (run_id is not None or description is not None):
            raise InvalidParameterError("'run_id' and 'description' go with 'source'; a model_uri names its run.")

        def create(c: Client) -> ModelVersion:
            if model_uri is not None:
                return c.register_model(model_uri, name, tags)
            assert source is not None
            return c.create_model_version(name, source, run_id, tags, description)

        self.send_json({"model_version": await self.call(create)}, status=201)


class ModelVersionHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        self.send_json({"model_version": await self.call(lambda c: c.get_model_version(name, version))})

    @web.authenticated
    @authorized
    async def patch(self, name: str, version: str) -> None:
        body = self.body("description", "tags", "delete_tags")
        description, tags = body.text("description"), body.mapping("tags")
        delete_tags = body.text_list("delete_tags", max_items=1000)

        def update(c: Client) -> ModelVersion:
            c.get_model_version(name, version)
            for key, value in tags.items():
                c.set_model_version_tag(name, version, key, value)
            for key in delete_tags:
                c.delete_model_version_tag(name, version, key)
            if body.has("description"):
                c.update_model_version(name, version, description)
            return c.get_model_version(name, version)

        self.send_json({"model_version": await self.call(update)})

    @web.authenticated
    @authorized
    async def delete(self, name: str, version: str) -> None:
        await self.call(lambda c: c.delete_model_version(name, version))
        self.send_json({})


class ModelVersionStageHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def post(self, name: str, version: str) -> None:
        """Move a version to a stage; a policy may refuse (403, naming the rule)."""
        body = self.body("stage", "archive_existing_versions", "comment")
        stage, comment = body.required_text("stage"), body.text("comment")
        archive = body.flag("archive_existing_versions")
        moved = await self.call(lambda c: c.transition_model_version_stage(name, version, stage, archive, comment))
        self.send_json({"model_version": moved})


class LatestVersionsHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        stages = self.query_list("stages") or None
        self.send_json({"model_versions": await self.call(lambda c: c.get_latest_versions(name, stages))})


class AliasHandler(MltrackAPIHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, alias: str) -> None:
        self.send_json({"model_version": await self.call(lambda c: c.get_model_version_by_alias(name, alias))})

    @web.authenticated
    @authorized
    async def put(self, name: str, alias: str) -> None:
        """Point the alias at a version; a policy may refuse (403, naming the rule)."""
        body = self.body("version", "comment")
        version, comment = body.identifier("version"), body.text("comment")

        def point(c: Client) -> ModelVersion:
            c.set_registered_model_alias(name, alias, version, comment)
            return c.get_model_version_by_alias(name, alias)

        self.send_json({"model_version": await self.call(point)})

    @web.authenticated
    @authorized
    async def delete(self, name: str, alias: str) -> None:
        await self.call(lambda c: c.delete_registered_model_alias(name, alias))
        self.send_json({})


class ModelVersionSearchHandler(_Paged):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        filter_string, order_by, max_results, token = self.paging()
        page = await self.call(lambda c: c.search_model_versions(filter_string, max_results, order_by, token))
        result: dict[str, Any] = {"model_versions": list(page), "next_page_token": page.token}
        self.send_json(result)
