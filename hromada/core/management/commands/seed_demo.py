from django.core.management.base import BaseCommand

from hromada.core import demo, registry


class Command(BaseCommand):
    help = "Load the demo communities and each module's demo data (only what is missing)."

    def handle(self, *args, **options):
        communities = demo.load()
        for module in registry.modules():
            if module.demo:
                loader = registry.resolve(module.demo)
                for community in communities:
                    loader(community)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
