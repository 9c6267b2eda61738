from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records that tell what happened: nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
