"""POST /api/v1/roster-imports/ (multipart: file, dry_run) and GET list/detail of import records.

The same service as the browser and the command: personnel.roster.services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ..models import RosterImport
from ..roster.reader import RosterFileError
from ..roster.selectors import visible_roster_imports
from ..roster.services import create_import_record, failed_upload_record, receive_upload, submit_import


class RosterImportSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True, read_only=True)
    new = serializers.IntegerField(source="new_count", read_only=True)
    updated = serializers.IntegerField(source="updated_count", read_only=True)
    unchanged = serializers.IntegerField(source="unchanged_count", read_only=True)

    class Meta:
        model = RosterImport
        fields = [
            "id",
            "file_name",
            "source",
            "status",
            "status_display",
            "dry_run",
            "created_by",
            "created_at",
            "finished_at",
            "total_rows",
            "progress",
            "new",
            "updated",
            "unchanged",
            "error_count",
            "errors",
            "extra_columns",
            "message",
        ]
        read_only_fields = fields


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="花名册（.xlsx），不超过20MB、20万行")
    dry_run = serializers.BooleanField(default=False, help_text="只校验，不写入")


@extend_schema_view(
    list=extend_schema(summary="花名册导入记录", tags=["花名册导入"]),
    retrieve=extend_schema(summary="花名册导入记录详情（含进度与错误明细）", tags=["花名册导入"]),
    create=extend_schema(
        summary="上传花名册导入",
        description="按身份证号新增或更新人员；任何一行有错则全部不写入（返回400及逐行错误）。"
        "超过2000行时转入后台处理，返回202，轮询详情查看进度和结果。",
        tags=["花名册导入"],
        request={"multipart/form-data": RosterUploadSerializer},
        responses={201: RosterImportSerializer, 202: RosterImportSerializer, 400: RosterImportSerializer},
    ),
)
class RosterImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    resource = "staff"
    serializer_class = RosterImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []

    def get_queryset(self):
        return visible_roster_imports(self.request.user)

    def create(self, request, *args, **kwargs):
        upload = RosterUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        dry_run = upload.validated_data["dry_run"]
        try:
            data = receive_upload(file)
        except RosterFileError as error:
            record = failed_upload_record(file_name=file.name, actor=request.user, source="api", message=error.message)
            return Response(RosterImportSerializer(record).data, status=status.HTTP_400_BAD_REQUEST)
        record = create_import_record(file_name=file.name, data=data, actor=request.user, source="api", dry_run=dry_run)
        queued = submit_import(record=record, dry_run=dry_run)
        record.refresh_from_db()
        if queued and record.status in (
            RosterImport.Status.PENDING,
            RosterImport.Status.CHECKING,
            RosterImport.Status.RUNNING,
        ):
            code = status.HTTP_202_ACCEPTED
        elif record.status in (RosterImport.Status.DONE, RosterImport.Status.CHECKED):
            code = status.HTTP_201_CREATED
        else:
            code = status.HTTP_400_BAD_REQUEST
        return Response(RosterImportSerializer(record).data, status=code)
