"""thermolearn's numeric layer: numpy/scipy callables built from thermolearn.theory objects.

Subpackages, one job each (import them directly, e.g. ``numeric.langevin``):
``model`` (the numeric twin of an energy model: the one adapter from
``theory``, vectorised E, ∇ₓE, ∂θE, Hessians), ``equilibrium`` (free energy,
expectations and samples of p_m(x|θ) on a found support), ``schedule`` (learning-rate schedules as numeric objects), ``langevin``
(persistent-chain simulation), ``fokker_planck`` (density solver),
``metric`` (Fisher information, friction tensor, geodesics), ``codegen``
(lambdify and source generation), ``sgd`` (the SGD-noise experiment),
``fluctuation`` (work statistics and fluctuation theorems), ``results``
(summaries, export and loading of result objects), ``progress`` (the
``progress=`` option of long calls).
"""
