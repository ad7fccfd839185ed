from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Tracker"), {"fields": ("is_secretariat",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_secretariat", "is_staff")
    list_filter = ("is_secretariat", "is_staff", "is_superuser", "is_active")
