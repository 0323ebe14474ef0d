"""einsum: numpy's einsum on tensors, each operand's gradient an einsum of the output gradient and the others.

Supported: explicit (`'ij,jk->ik'`) and implicit (`'ij,jk'`) equations of letters, any number of operands. Not
supported (NotImplementedError naming it): `...` and a letter repeated within one operand (diagonals).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..function import Function, add_tangents
from ..promotion import promote
from ..tensor import Tensor, data_of
from .shape import Expand


class Einsum(Function):
    """The einsum of the operands; `terms` are their subscripts, `out` the output's."""

    def forward(self, *arrays, terms, out):
        arrays = promote(*arrays)
        self.terms, self.out, self.shapes = terms, out, [a.shape for a in arrays]
        self.saved = tuple(arrays)
        return np.asarray(np.einsum(f"{','.join(terms)}->{out}", *arrays))

    def _gradient(self, g: Any, i: int, operands: tuple[Any, ...]) -> Any:
        """The gradient for operand i: g and the other operands contracted to operand i's subscripts; a letter only
        operand i has (summed over in the forward) is broadcast back."""
        term, shape = self.terms[i], self.shapes[i]
        others = [t for k, t in enumerate(self.terms) if k != i]
        present = set(self.out).union(*others)
        kept = "".join(c for c in term if c in present)
        rest = [x for k, x in enumerate(operands) if k != i]
        grad = _einsum_function(len(rest) + 1).apply_or_run(g, *rest, terms=(self.out, *others), out=kept)
        if kept != term:
            grad = grad.reshape(tuple(n if c in present else 1 for c, n in zip(term, shape)))
            grad = Expand.apply_or_run(grad, shape=shape)
        return grad

    def backward(self, g):
        return tuple(self._gradient(g, i, self.saved) if self.needs_grad(i) else None for i in range(len(self.terms)))

    def jvp(self, *tangents):
        equation = f"{','.join(self.terms)}->{self.out}"
        terms = []
        for i, t in enumerate(tangents):
            if t is not None:
                operands = list(self.saved)
                operands[i] = t
                terms.append(np.asarray(np.einsum(equation, *operands)))
        return add_tangents(*terms)


@functools.cache
def _einsum_function(count: int) -> type[Einsum]:
    """Einsum of `count` operands, each one saved (its position declared in `saves`)."""
    return type(f"Einsum{count}", (Einsum,), {"saves": tuple(range(count)), "__repr__": Einsum.__repr__})


def _parse(equation: str, count: int) -> tuple[tuple[str, ...], str]:
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError(f"einsum: '...' (broadcast dims) is not supported, in {equation!r}")
    inputs, arrow, out = equation.partition("->")
    terms = tuple(inputs.split(","))
    if len(terms) != count:
        which = "more" if count > len(terms) else "fewer"
        raise ValueError(f"einsum(): {which} operands were provided than specified in the equation {equation!r}")
    for term in (*terms, out):
        if not all(c.isalpha() for c in term):
            raise ValueError(f"einsum(): invalid subscript in {equation!r}: only letters and '->' are allowed")
    for term in terms:
        if len(set(term)) != len(term):
            raise NotImplementedError(f"einsum: a letter repeated within one operand ({term!r}) is not supported")
    if not arrow:  # implicit output: the letters that appear once, in alphabetical order
        letters = "".join(terms)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return terms, out


def einsum(equation: str, *operands: Any) -> Tensor:
    """The sum of products of the operands' elements that `equation` describes (`'ij,jk->ik'` is a matrix product,
    `'bij,bjk->bik'` a batched one, `'i,i->'` a dot product, `'ij->ji'` a transpose)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, x in enumerate(operands):
        if not isinstance(x, (Tensor, np.ndarray)):
            raise TypeError(f"einsum(): expected tensors as operands, got {type(x).__name__} at position {i}")
    terms, out = _parse(equation, len(operands))
    sizes: dict[str, int] = {}
    for i, (term, x) in enumerate(zip(terms, operands)):
        shape = np.shape(data_of(x))
        if len(shape) != len(term):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(term)}) does not match the number of "
                f"dimensions ({len(shape)}) for operand {i}"
            )
        for c, n in zip(term, shape):
            if sizes.setdefault(c, n) != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {i} which does not match the previously seen "
                    f"size {sizes[c]}"
                )
    for c in out:
        if c not in sizes or out.count(c) > 1:
            raise ValueError(f"einsum(): output subscript {c} appears more than once or not in the inputs")
    return _einsum_function(len(operands)).apply(*operands, terms=terms, out=out)
