// Each module registers its op family with the registry when imported.
import './constant';
import './activations';
import './normalization';
import './reduce';
import './conv';
import './pool';
import './resize';
import './matmul';
import './einsum';
import './attention';
import './reshape-ops';
import './indexing-ops';
import './generator-ops';
import './search-ops';
import './elementwise';
import './recurrent';
import './control-flow';
