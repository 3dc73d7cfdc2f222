"""One namespace (`evaluation:`) over the subject packages' pages."""

from evaluation.attacks import urls as attacks
from evaluation.budget import urls as budget
from evaluation.compare import urls as compare
from evaluation.design import urls as design
from evaluation.exports import urls as exports
from evaluation.figures import urls as figures
from evaluation.items import urls as items
from evaluation.judges import urls as judges
from evaluation.multichoice import urls as multichoice
from evaluation.rankings import urls as rankings

app_name = "evaluation"
urlpatterns = [
    *figures.urlpatterns,
    *exports.urlpatterns,
    *multichoice.urlpatterns,
    *judges.urlpatterns,
    *items.urlpatterns,
    *attacks.urlpatterns,
    *compare.urlpatterns,
    *rankings.urlpatterns,
    *design.urlpatterns,
    *budget.urlpatterns,
]
