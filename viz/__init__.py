"""viz: computation graphs of Tensors and Scalars drawn with Graphviz, from the book's apple to a whole MLP.

>>> import viz
>>> price = viz.examples.apple()
>>> drawing = viz.draw(price, flow=True)  # a graphviz.Digraph; shows inline in Jupyter
>>> path = viz.render(price, "apple.svg", flow=True)  # doctest: +SKIP
"""

from . import examples
from .colors import grad_color
from .draw import draw
from .drawing import Drawing
from .render import pipe, render
from .renderer import Renderer, RendererNotFoundError, RenderError, find_renderer
